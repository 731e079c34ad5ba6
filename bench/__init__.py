"""Benchmark: our pipeline against the textbook LangChain pipeline on the labelled question set."""
