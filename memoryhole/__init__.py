"""memoryhole: watch news outlets, keep every version of every article, report edits and deletions."""

__version__ = "0.1.0"
