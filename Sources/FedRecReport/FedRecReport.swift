/// FedRecReport: SVG charts, CSV and markdown reports, with no dependencies.
