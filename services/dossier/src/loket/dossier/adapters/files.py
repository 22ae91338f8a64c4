"""The files a school uploads for an import, as text: UTF-8 (with or without its byte order mark), or
what a spreadsheet on Windows writes."""


def text_of(file: bytes) -> str:
    try:
        return file.decode("utf-8-sig")
    except UnicodeDecodeError:
        return file.decode("cp1252", errors="replace")
