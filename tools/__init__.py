"""Developer tools that run at install time (never imported by the Lambdas or the page)."""
