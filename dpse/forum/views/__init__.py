"""Forum pages: reading (browse), writing (posting)."""

from dpse.forum.views import browse, posting

__all__ = ["browse", "posting"]
