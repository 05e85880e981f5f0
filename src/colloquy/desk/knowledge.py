"""Knowledge-base search over the coverage and process articles."""

from __future__ import annotations

from colloquy.desk.records import KnowledgeArticle, KnowledgeHit
from colloquy.desk.rows import article
from colloquy.errors import NotFoundError
from colloquy.storage.desk import DeskRepository


class KnowledgeService:
    def __init__(self, repository: DeskRepository) -> None:
        self.repository = repository

    def search(self, query: str, *, limit: int = 3) -> list[KnowledgeHit]:
        """Best-ranked articles for ``query`` by the store's native full-text search."""
        return [
            KnowledgeHit(article(hit.article), hit.score)
            for hit in self.repository.search_articles(query, limit=limit)
        ]

    def article(self, slug: str) -> KnowledgeArticle:
        row = self.repository.article(slug)
        if row is None:
            raise NotFoundError(f"no knowledge-base article {slug!r}")
        return article(row)

    def articles(self) -> list[KnowledgeArticle]:
        return [article(row) for row in self.repository.articles()]
