"""Training: the settings, the one fit loop, the bundled recipe, the classic recipes, the PCA + SVC baseline,
k-fold cross-validation, and the training data made from MNIST and from pen drawings."""
