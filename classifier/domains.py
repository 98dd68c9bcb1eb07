"""The registrable part of a mail domain, by the Public Suffix List: "acme" of
careers.acme.co.uk, "ouroverde" of ouroverde.com.br (the label before the country's own
second-level suffix, not "co" or "com").

The list is the snapshot bundled with publicsuffixlist (its ICANN section: a company's own
subdomain of a hosting provider stays that provider's): it is never fetched, so the classifier
stays offline and deterministic. A top-level label the list does not know (".example",
".internal") counts as a public suffix.
"""

from __future__ import annotations

from functools import lru_cache

from publicsuffixlist import PublicSuffixList

_LIST = PublicSuffixList(only_icann=True)


@lru_cache(maxsize=4096)  # a mailbox's mail comes from the same few domains
def domain_stem(domain: str) -> str:
    """The registrable label of ``domain`` ("acme" of jobs.acme.co.uk); the domain's own first
    label when it is a public suffix itself ("localhost", "co.uk")."""
    name = domain.lower().strip(".")
    return (_LIST.privatesuffix(name) or name).split(".", 1)[0]
