"""A ``Model`` in the style of the book's chapters 19-22, with the layers it chains.

Written from the maths: dense layers with L1/L2 regularizers on weights and biases,
ReLU, sigmoid, linear and softmax activations, dropout drawing from ``np.random``,
categorical and binary cross-entropy and mean squared error, and the fused softmax +
categorical cross-entropy backward that ``finalize`` picks when the model ends in a
softmax with that loss.

``Model(bug=...)`` injects one wiring bug:

- ``"skip_relu"``: backward passes the gradient through the last ReLU untouched (a layer
  skipped);
- ``"fused_any_loss"``: ``finalize`` takes the fused softmax shortcut whenever the last
  layer is a softmax, whatever the loss (here: mean squared error);
- ``"reg_missing"``: the second dense layer's backward leaves out its L2 term.
"""

from __future__ import annotations

import numpy as np


class Layer_Input:
    def forward(self, inputs, training):
        self.output = inputs


class Layer_Dense:
    def __init__(self, n_inputs, n_neurons, weight_regularizer_l1=0.0,
                 weight_regularizer_l2=0.0, bias_regularizer_l1=0.0, bias_regularizer_l2=0.0,
                 seed=0):
        rng = np.random.default_rng(seed)
        self.weights = 0.1 * rng.standard_normal((n_inputs, n_neurons))
        self.biases = np.zeros((1, n_neurons))
        self.weight_regularizer_l1 = weight_regularizer_l1
        self.weight_regularizer_l2 = weight_regularizer_l2
        self.bias_regularizer_l1 = bias_regularizer_l1
        self.bias_regularizer_l2 = bias_regularizer_l2
        self.skip_l2 = False

    def forward(self, inputs, training):
        self.inputs = inputs
        self.output = inputs @ self.weights + self.biases

    def backward(self, dvalues):
        self.dweights = self.inputs.T @ dvalues
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        # d|w|/dw is sign(w); the book takes +1 at 0, a valid subgradient
        if self.weight_regularizer_l1 > 0:
            self.dweights += self.weight_regularizer_l1 * np.where(self.weights < 0, -1.0, 1.0)
        if self.weight_regularizer_l2 > 0 and not self.skip_l2:
            self.dweights += 2 * self.weight_regularizer_l2 * self.weights
        if self.bias_regularizer_l1 > 0:
            self.dbiases += self.bias_regularizer_l1 * np.where(self.biases < 0, -1.0, 1.0)
        if self.bias_regularizer_l2 > 0:
            self.dbiases += 2 * self.bias_regularizer_l2 * self.biases
        self.dinputs = dvalues @ self.weights.T


class Layer_Dropout:
    def __init__(self, rate):
        self.rate = 1 - rate  # the keep probability

    def forward(self, inputs, training):
        self.inputs = inputs
        if not training:
            self.output = inputs.copy()
            return
        self.binary_mask = np.random.binomial(1, self.rate, size=inputs.shape) / self.rate
        self.output = inputs * self.binary_mask

    def backward(self, dvalues):
        self.dinputs = dvalues * self.binary_mask


class Activation_ReLU:
    def forward(self, inputs, training):
        self.inputs = inputs
        self.output = np.maximum(0, inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()
        self.dinputs[self.inputs <= 0] = 0


class Activation_Softmax:
    def forward(self, inputs, training):
        self.inputs = inputs
        exp = np.exp(inputs - np.max(inputs, axis=1, keepdims=True))
        self.output = exp / np.sum(exp, axis=1, keepdims=True)

    def backward(self, dvalues):
        # J = diag(s) - s s^T per sample, so J dv = s * (dv - <s, dv>)
        s = self.output
        self.dinputs = s * (dvalues - np.sum(s * dvalues, axis=1, keepdims=True))


class Activation_Sigmoid:
    def forward(self, inputs, training):
        self.inputs = inputs
        self.output = 1 / (1 + np.exp(-inputs))

    def backward(self, dvalues):
        self.dinputs = dvalues * (1 - self.output) * self.output


class Activation_Linear:
    def forward(self, inputs, training):
        self.inputs = inputs
        self.output = inputs

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()


class Loss:
    def remember_trainable_layers(self, trainable_layers):
        self.trainable_layers = trainable_layers

    def regularization_loss(self):
        total = 0.0
        for layer in self.trainable_layers:
            if layer.weight_regularizer_l1 > 0:
                total += layer.weight_regularizer_l1 * np.sum(np.abs(layer.weights))
            if layer.weight_regularizer_l2 > 0:
                total += layer.weight_regularizer_l2 * np.sum(layer.weights * layer.weights)
            if layer.bias_regularizer_l1 > 0:
                total += layer.bias_regularizer_l1 * np.sum(np.abs(layer.biases))
            if layer.bias_regularizer_l2 > 0:
                total += layer.bias_regularizer_l2 * np.sum(layer.biases * layer.biases)
        return total

    def calculate(self, output, y, *, include_regularization=False):
        sample_losses = self.forward(output, y)
        data_loss = np.mean(sample_losses)
        self.accumulated_sum += np.sum(sample_losses)
        self.accumulated_count += len(sample_losses)
        if not include_regularization:
            return data_loss
        return data_loss, self.regularization_loss()

    def new_pass(self):
        self.accumulated_sum = 0
        self.accumulated_count = 0


class Loss_CategoricalCrossentropy(Loss):
    def forward(self, y_pred, y_true):
        clipped = np.clip(y_pred, 1e-7, 1 - 1e-7)
        if y_true.ndim == 1:
            correct = clipped[np.arange(len(y_pred)), y_true]
        else:
            correct = np.sum(clipped * y_true, axis=1)
        return -np.log(correct)

    def backward(self, dvalues, y_true):
        samples, labels = dvalues.shape
        if y_true.ndim == 1:
            y_true = np.eye(labels)[y_true]
        self.dinputs = -y_true / dvalues / samples


class Loss_BinaryCrossentropy(Loss):
    def forward(self, y_pred, y_true):
        p = np.clip(y_pred, 1e-7, 1 - 1e-7)
        return np.mean(-(y_true * np.log(p) + (1 - y_true) * np.log(1 - p)), axis=-1)

    def backward(self, dvalues, y_true):
        samples, outputs = dvalues.shape
        p = np.clip(dvalues, 1e-7, 1 - 1e-7)
        self.dinputs = -(y_true / p - (1 - y_true) / (1 - p)) / outputs / samples


class Loss_MeanSquaredError(Loss):
    def forward(self, y_pred, y_true):
        return np.mean((y_true - y_pred) ** 2, axis=-1)

    def backward(self, dvalues, y_true):
        samples, outputs = dvalues.shape
        self.dinputs = -2 * (y_true - dvalues) / outputs / samples


class Activation_Softmax_Loss_CategoricalCrossentropy:
    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        if y_true.ndim == 2:
            y_true = np.argmax(y_true, axis=1)
        self.dinputs = dvalues.copy()
        self.dinputs[np.arange(samples), y_true] -= 1
        self.dinputs = self.dinputs / samples


class Model:
    def __init__(self, bug=None):
        self.layers = []
        self.softmax_classifier_output = None
        self.bug = bug

    def add(self, layer):
        self.layers.append(layer)

    def set(self, *, loss, optimizer=None, accuracy=None):
        self.loss = loss
        self.optimizer = optimizer
        self.accuracy = accuracy

    def finalize(self):
        self.input_layer = Layer_Input()
        self.trainable_layers = []
        for i, layer in enumerate(self.layers):
            layer.prev = self.input_layer if i == 0 else self.layers[i - 1]
            layer.next = self.layers[i + 1] if i < len(self.layers) - 1 else self.loss
            if hasattr(layer, "weights"):
                self.trainable_layers.append(layer)
        self.loss.remember_trainable_layers(self.trainable_layers)
        if self.bug == "reg_missing":
            self.trainable_layers[1].skip_l2 = True
        fused_loss = self.bug == "fused_any_loss" or isinstance(
            self.loss, Loss_CategoricalCrossentropy
        )
        if isinstance(self.layers[-1], Activation_Softmax) and fused_loss:
            self.softmax_classifier_output = Activation_Softmax_Loss_CategoricalCrossentropy()

    def forward(self, X, training):
        self.input_layer.forward(X, training)
        for layer in self.layers:
            layer.forward(layer.prev.output, training)
        return layer.output

    def backward(self, output, y):
        if self.softmax_classifier_output is not None:
            self.softmax_classifier_output.backward(output, y)
            self.layers[-1].dinputs = self.softmax_classifier_output.dinputs
            below = self.layers[:-1]
        else:
            self.loss.backward(output, y)
            below = self.layers
        relus = [layer for layer in below if isinstance(layer, Activation_ReLU)]
        for layer in reversed(below):
            if self.bug == "skip_relu" and relus and layer is relus[-1]:
                layer.dinputs = layer.next.dinputs
                continue
            layer.backward(layer.next.dinputs)


def classifier(bug=None, dropout=0.1, seed=0):
    """Dense(4, 16) ReLU Dropout Dense(16, 16) ReLU Dense(16, 3) Softmax, categorical CE.

    L1 and L2 on the first layer's weights and biases, L2 on the second's weights.
    """
    model = Model(bug=bug)
    model.add(Layer_Dense(4, 16, weight_regularizer_l1=5e-4, weight_regularizer_l2=5e-4,
                          bias_regularizer_l1=5e-4, bias_regularizer_l2=5e-4, seed=seed))
    model.add(Activation_ReLU())
    model.add(Layer_Dropout(dropout))
    model.add(Layer_Dense(16, 16, weight_regularizer_l2=5e-4, seed=seed + 1))
    model.add(Activation_ReLU())
    model.add(Layer_Dense(16, 3, seed=seed + 2))
    model.add(Activation_Softmax())
    model.set(loss=Loss_CategoricalCrossentropy())
    model.finalize()
    return model


def regressor(bug=None, seed=0):
    """Dense(1, 16) ReLU Dense(16, 16) ReLU Dense(16, 1) Linear, mean squared error."""
    model = Model(bug=bug)
    model.add(Layer_Dense(1, 16, weight_regularizer_l2=1e-4, seed=seed))
    model.add(Activation_ReLU())
    model.add(Layer_Dense(16, 16, weight_regularizer_l2=1e-4, seed=seed + 1))
    model.add(Activation_ReLU())
    model.add(Layer_Dense(16, 1, seed=seed + 2))
    model.add(Activation_Linear())
    model.set(loss=Loss_MeanSquaredError())
    model.finalize()
    return model


def binary(bug=None, seed=0):
    """Dense(2, 16) ReLU Dense(16, 16) ReLU Dense(16, 1) Sigmoid, binary cross-entropy."""
    model = Model(bug=bug)
    model.add(Layer_Dense(2, 16, weight_regularizer_l2=5e-4, bias_regularizer_l2=5e-4,
                          seed=seed))
    model.add(Activation_ReLU())
    model.add(Layer_Dense(16, 16, weight_regularizer_l2=5e-4, seed=seed + 1))
    model.add(Activation_ReLU())
    model.add(Layer_Dense(16, 1, seed=seed + 2))
    model.add(Activation_Sigmoid())
    model.set(loss=Loss_BinaryCrossentropy())
    model.finalize()
    return model


def softmax_mse(bug=None, seed=0):
    """Dense(4, 8) ReLU Dense(8, 3) Softmax with mean squared error on one-hot targets."""
    model = Model(bug=bug)
    model.add(Layer_Dense(4, 8, seed=seed))
    model.add(Activation_ReLU())
    model.add(Layer_Dense(8, 3, seed=seed + 1))
    model.add(Activation_Softmax())
    model.set(loss=Loss_MeanSquaredError())
    model.finalize()
    return model
