"""Categorical cross-entropies whose one-hot path is right, wrong, or missing."""

import numpy as np


class Loss_CategoricalCrossentropy:
    def forward(self, y_pred, y_true):
        clipped = np.clip(y_pred, 1e-7, 1 - 1e-7)
        if len(y_true.shape) == 1:
            confidences = clipped[range(len(y_pred)), y_true]
        else:
            confidences = np.sum(clipped * y_true, axis=1)
        return -np.log(confidences)

    def backward(self, dvalues, y_true):
        samples, labels = dvalues.shape
        if len(y_true.shape) == 1:
            y_true = np.eye(labels)[y_true]
        self.dinputs = -y_true / dvalues / samples


class Loss_WrongOneHot(Loss_CategoricalCrossentropy):
    # the one-hot path sums over the whole batch: one number instead of one per sample
    def forward(self, y_pred, y_true):
        clipped = np.clip(y_pred, 1e-7, 1 - 1e-7)
        if len(y_true.shape) == 1:
            confidences = clipped[range(len(y_pred)), y_true]
        else:
            confidences = np.sum(clipped * y_true)
        return -np.log(confidences)


class Loss_NoOneHot(Loss_CategoricalCrossentropy):
    # no one-hot branch at all: forward raises on one-hot labels
    def forward(self, y_pred, y_true):
        clipped = np.clip(y_pred, 1e-7, 1 - 1e-7)
        if len(y_true.shape) == 1:
            confidences = clipped[range(len(y_pred)), y_true]
        return -np.log(confidences)
