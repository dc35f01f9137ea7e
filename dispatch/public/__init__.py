"""The public side of the product: residents' reports (随手拍), the status page, and what every
public answer (those pages and Open311) may show of a case (``present``)."""
