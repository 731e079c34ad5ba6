"""The ground floor: the typed data that crosses every seam, the errors, the settings, and the
small text helpers every stage shares (dates, committee names, kinds of answer, sentence windows,
stop words). It imports nothing else of ours; every other package builds on it."""
