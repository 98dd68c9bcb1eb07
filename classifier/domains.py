"""The registrable part of a mail domain, by the Public Suffix List: "acme" of
careers.acme.co.uk, "ouroverde" of ouroverde.com.br (the label before the country's own
second-level suffix, not "co" or "com").

The list is the snapshot bundled with tldextract: it is never fetched, so the classifier stays
offline and deterministic.
"""

from __future__ import annotations

from functools import lru_cache

import tldextract

_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@lru_cache(maxsize=4096)  # a mailbox's mail comes from the same few domains
def domain_stem(domain: str) -> str:
    """The registrable label of ``domain`` ("acme" of jobs.acme.co.uk); the domain's own first
    label when it has no known public suffix ("localhost")."""
    parts = _EXTRACT(domain.lower().strip("."))
    if parts.domain:
        return parts.domain
    return domain.lower().strip(".").split(".", 1)[0]
