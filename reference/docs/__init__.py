"""The documentation site (``chainrule docs``): generated catalog and API pages, the README's sections as
guides, built by Sphinx with MathJax served from the site's own files. See :mod:`.build`."""

from __future__ import annotations

__all__: list[str] = []
