"""loting: lottery and matching runs, and simulations."""
