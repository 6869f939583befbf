"""The newsdigest exception tree.

Every error the pipeline raises on purpose derives from :class:`NewsdigestError`, and every message says
what to change. Per-article problems (bad input, an unsupported language pair, a model that cannot be
loaded) are caught at the batch boundary and turned into a failed record with the message as its reason;
they never sink the run.

    NewsdigestError
    ├── ConfigError            a config file or value is invalid
    ├── MissingDependency      an optional backend is not installed (message carries the pip command)
    ├── InputError             one article cannot be read or processed
    │   ├── UnsafeURL          the fetch policy refuses a URL, an address, a redirect or a size
    │   ├── FetchFailed        a permitted URL could not be fetched (network, timeout, HTTP status)
    │   └── TimeBudgetExceeded an article took longer than article_time_budget_s to translate or summarise
    ├── ModelError
    │   ├── ModelUnavailable   a model cannot be found, downloaded or loaded
    │   └── UnsupportedPair    no route from the source to the target language
    ├── RunFailed              a run finished, but every input or too large a share of them failed
    ├── DeliveryError          an edition could not be sent (SMTP refused, unreachable, no TLS)
    │   └── AlreadySent        the edition was sent before (newsdigest edition --resend sends again)
    └── StoreError
        ├── StoreUnavailable   the object store cannot be reached
        ├── ObjectNotFound     a key does not exist
        └── NothingPublished   a day and language the store holds nothing for (wrong --store or --date?)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipelines.records import RunManifest


class NewsdigestError(Exception):
    """Base of every error newsdigest raises deliberately."""


class ConfigError(NewsdigestError):
    """A configuration file or value is invalid.

    The message names the file, the key, the bad value and what is allowed.
    """


class MissingDependency(NewsdigestError):
    """An optional backend was selected but its package is not installed."""

    def __init__(self, package: str, extra: str, purpose: str) -> None:
        self.package = package
        self.extra = extra
        super().__init__(
            f"{purpose} needs the '{package}' package, which is not installed: "
            f"pip install 'newsdigest[{extra}]' (or: pip install {package})"
        )


class RunFailed(NewsdigestError):
    """A run finished and wrote its manifest, but every input, or more than the allowed share, failed.

    What was published stays published; ``manifest`` lists every input with its status and reason.
    Raised by the Prefect flow so the flow run ends ``Failed`` and automations watching for failed runs
    fire (see ``flow.fail_above`` in docs/operations.md).
    """

    def __init__(self, manifest: RunManifest, failed: int, total: int, fail_above: float) -> None:
        self.manifest = manifest
        rule = "every input failed" if failed == total else f"more than {fail_above:.0%} of the inputs failed"
        super().__init__(
            f"run {manifest.run_id}: {failed} of {total} inputs failed ({rule}); the reasons are in the run "
            f"manifest and `newsdigest failures ls`"
        )


def failed_share_exceeded(manifest: RunManifest, fail_above: float) -> RunFailed | None:
    """The :class:`RunFailed` for ``manifest`` when every input failed or the failed share is over
    ``fail_above``; None otherwise (an empty run has nothing to fail)."""
    total = len(manifest.entries)
    failed = sum(1 for entry in manifest.entries if entry.status == "failed")
    if total and (failed == total or failed / total > fail_above):
        return RunFailed(manifest, failed, total, fail_above)
    return None


class InputError(NewsdigestError):
    """One input cannot be read or processed; the article is recorded as failed."""


class ModelError(NewsdigestError):
    """Base for model problems that fail the articles needing the model."""


class ModelUnavailable(ModelError):
    """A model cannot be found, downloaded or loaded."""

    def __init__(self, model: str, reason: str) -> None:
        self.model = model
        self.reason = reason
        super().__init__(f"model '{model}' is unavailable: {reason}")


class UnsupportedPair(ModelError):
    """No configured route translates from the source to the target language."""

    def __init__(self, source: str, target: str, hint: str) -> None:
        self.source = source
        self.target = target
        super().__init__(f"no translation route for {source}->{target}: {hint}")


class StoreError(NewsdigestError):
    """The object store refused or failed an operation."""


class StoreUnavailable(StoreError):
    """The object store cannot be reached (network, endpoint, credentials)."""


class ObjectNotFound(StoreError):
    """The requested key does not exist in the store."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"no object at key '{key}'")


class UnsafeURL(InputError):
    """A feed or page URL that the fetch policy refuses: a scheme other than http(s), an address that is
    private, loopback or link-local (unless the policy allows it), a response over the size limit, or a
    redirect loop or chain that is too long. The message never contains the URL's user:password part."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"refusing to fetch {url}: {reason}")


class FetchFailed(InputError):
    """A permitted URL could not be fetched: connection error, timeout or an HTTP error status."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"cannot fetch {url}: {reason}")


class TimeBudgetExceeded(InputError):
    """An article's translation or summaries ran past ``article_time_budget_s`` (see
    :mod:`pipelines.deadline`); the article fails and the run goes on."""


class NothingPublished(StoreError):
    """The store holds nothing for the day and language asked for."""


class DeliveryError(NewsdigestError):
    """An edition could not be sent: the mail server is unreachable, refused the login or a recipient,
    or offers no TLS where credentials would be sent."""


class AlreadySent(DeliveryError):
    """The edition of this day and language was sent before; ``--resend`` sends it again."""
