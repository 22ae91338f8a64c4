"""Loket portaal: the web portal, the one address people use."""
