"""Forum pages: reading (browse), writing (posting), and the admins' categories page."""

from dpse.forum.views import browse, categories, posting

__all__ = ["browse", "categories", "posting"]
