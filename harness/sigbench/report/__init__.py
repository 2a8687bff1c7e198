"""What a run shows: the HTML page, its tables and charts, the site index, and the text and
Markdown summaries."""
