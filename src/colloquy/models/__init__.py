"""Models with scikit-learn's contract: intent classification, contrastive fine-tuning, artifacts."""
