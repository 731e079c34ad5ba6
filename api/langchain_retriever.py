"""`PapersRetriever`: the hybrid retriever, with its access control, as a LangChain retriever.

    from api.langchain_retriever import PapersRetriever

    local = PapersRetriever.in_process(api_key=None, committee="Cabinet", k=4)     # over this PAPERS_HOME
    remote = PapersRetriever(url="http://papers.intranet:8000", api_key="...")  # against `papers serve`
    docs = remote.invoke("homelessness prevention grant")

Each `Document` is a passage: `page_content` its text, `metadata` its citation (document_id,
source, title, committee, meeting_date, page, section, score, ocr, source_url, and `citation`,
the line to quote). Both modes apply the key's role exactly as `/search` does (no key: the public
role) and are audited; a refused key raises `PapersRetrieverError` at the first call.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForRetrieverRun, CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field, SecretStr, model_validator


class PapersRetrieverError(RuntimeError):
    """A search the service refused or could not answer; the message says why."""


def citation_line(p: dict) -> str:
    """'Title (Committee, 2025-01-15), page 3': where a passage is, as a reader would cite it."""
    name = p.get("title") or p.get("source") or p.get("document_id")
    where = ", ".join(x for x in (p.get("committee"), p.get("meeting_date")) if x)
    page = f", page {p['page']}" if p.get("page") else ""
    return f"{name} ({where}){page}" if where else f"{name}{page}"


def to_document(p: dict) -> Document:
    """A `/search` result as a LangChain Document."""
    metadata = {k: v for k, v in p.items() if k != "text"}
    metadata["citation"] = citation_line(p)
    return Document(page_content=p["text"], metadata=metadata)


class PapersRetriever(BaseRetriever):
    """Committee-paper passages for a query, with the caller's clearance. Give `url` to search a
    remote `papers serve`, or `service` (see `in_process`) to search in this process."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    url: str | None = Field(None, description="A `papers serve` address, e.g. http://127.0.0.1:8000.")
    service: Any = Field(None, exclude=True, description="A PapersService, to search in this process.")
    api_key: SecretStr | None = Field(None, description="The API key whose role sets what is seen (none: public).")
    committee: str | None = Field(None, max_length=200, description="Only this committee (name, acronym or alias).")
    date_from: date | None = Field(None, description="Only meetings on or after this date.")
    date_to: date | None = Field(None, description="Only meetings on or before this date.")
    k: int = Field(5, ge=1, le=50, description="Passages per query.")
    timeout: float = Field(60.0, gt=0, description="Seconds to wait for a remote service.")

    @model_validator(mode="after")
    def _one_mode(self) -> PapersRetriever:
        if (self.url is None) == (self.service is None):
            raise ValueError("url or service: give exactly one (a remote `papers serve`, or a PapersService in process)")
        if self.url is not None and not self.url.startswith(("http://", "https://")):
            raise ValueError(f"url: '{self.url[:80]}' is not an http(s) address")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from: must not be after date_to")
        return self

    @classmethod
    def in_process(cls, service=None, **fields) -> PapersRetriever:
        """A retriever over `service` (default: one for this machine's settings, PAPERS_HOME)."""
        if service is None:
            from assistant.service import PapersService
            from core.config import get_settings

            service = PapersService(get_settings())
        return cls(service=service, **fields)

    # --- remote -----------------------------------------------------------------------------------

    def _request(self, query: str) -> tuple[str, dict, dict]:
        params = {"q": query, "k": self.k}
        for name in ("committee", "date_from", "date_to"):
            value = getattr(self, name)
            if value is not None:
                params[name] = value.isoformat() if isinstance(value, date) else value
        headers = {"authorization": f"Bearer {self.api_key.get_secret_value()}"} if self.api_key else {}
        return self.url.rstrip("/") + "/search", params, headers

    @staticmethod
    def _documents(response) -> list[Document]:
        if response.status_code != 200:
            try:
                detail = response.json().get("detail")
            except ValueError:
                detail = response.text[:200]
            raise PapersRetrieverError(f"papers service refused the search ({response.status_code}): {detail}")
        return [to_document(p) for p in response.json()["results"]]

    # --- in process -------------------------------------------------------------------------------

    def _search_here(self, query: str) -> list[Document]:
        from api.schemas import passage_json
        from core.errors import AccessDenied
        from core.types import SearchFilters

        service = self.service
        key = self.api_key.get_secret_value() if self.api_key else None
        try:
            caller = service.access.authenticate(key)
        except AccessDenied as exc:
            raise PapersRetrieverError(f"api_key: {exc}") from None
        limit = service.settings.api.max_question_chars
        if not query.strip() or len(query) > limit:
            raise PapersRetrieverError(f"query: empty or longer than {limit} characters")
        filters = SearchFilters(committee=self.committee, date_from=self.date_from, date_to=self.date_to, clearance=caller.clearance)
        passages = service.search(query, filters, self.k)
        if service.settings.access.audit:
            service.access.record(caller, "PY", "/langchain/search", 200, query, [p.chunk.document_id for p in passages])
        return [to_document(passage_json(p)) for p in passages]

    # --- BaseRetriever ----------------------------------------------------------------------------

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        if self.service is not None:
            return self._search_here(query)
        import httpx

        url, params, headers = self._request(query)
        try:
            response = httpx.get(url, params=params, headers=headers, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise PapersRetrieverError(f"papers service at {self.url} did not answer: {exc}") from None
        return self._documents(response)

    async def _aget_relevant_documents(self, query: str, *, run_manager: AsyncCallbackManagerForRetrieverRun) -> list[Document]:
        if self.service is not None:
            import anyio

            return await anyio.to_thread.run_sync(self._search_here, query)
        import httpx

        url, params, headers = self._request(query)
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.get(url, params=params, headers=headers)
        except httpx.HTTPError as exc:
            raise PapersRetrieverError(f"papers service at {self.url} did not answer: {exc}") from None
        return self._documents(response)
