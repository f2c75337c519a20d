"""The network side of ingestion: fetch feeds safely and turn them into ArticleDrafts.

urls (canonical links), safety (SSRF guard), http (fetch), encoding and clean (bytes and
HTML to text), feeds (RSS/Atom), files (JSON/JSONL exports), opml, discover, extract
(optional full text), sources (the TOML source list).
"""
