"""Looking inside a model while it trains: statistics, gradient checks, the LR range test."""
