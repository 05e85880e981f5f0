"""Models with scikit-learn's contract: intents, contrastive fine-tuning, artifacts."""
