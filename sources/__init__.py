"""Where papers come from, before ingest reads them.

A source turns what it is given into files on disk for `ingest` (which never fetches anything):
- `folder.py`: local files and folders, as `papers ingest` and the examples use them;
- `uploads.py`: files sent to `POST /documents`, each stored in a folder of its own.
A new source (a council's ModernGov site) goes here too: it writes each paper, and its metadata
as a `NAME.meta.json` sidecar, into a folder, then hands the files to ingest.
"""
