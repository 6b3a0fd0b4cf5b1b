"""The NNFS protocol under other names people use: none of these may be ignored."""

import numpy as np


class Layer_Outputs:
    # the result under self.outputs, the input gradient under d_inputs
    def __init__(self, n_inputs, n_neurons):
        self.weights = 0.1 * np.random.randn(n_inputs, n_neurons)
        self.biases = np.zeros((1, n_neurons))

    def forward(self, inputs):
        self.inputs = inputs
        self.outputs = inputs @ self.weights + self.biases

    def backward(self, dvalues):
        self.d_weights = self.inputs.T @ dvalues
        self.d_biases = dvalues.sum(axis=0, keepdims=True)
        self.d_inputs = dvalues @ self.weights.T


class Layer_CamelCase:
    # dWeights, dBiases, dInputs
    def __init__(self, n_inputs, n_neurons):
        self.weights = 0.1 * np.random.randn(n_inputs, n_neurons)
        self.biases = np.zeros((1, n_neurons))

    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs @ self.weights + self.biases

    def backward(self, dvalues):
        self.dWeights = self.inputs.T @ dvalues
        self.dBiases = dvalues.sum(axis=0, keepdims=True)
        self.dInputs = dvalues @ self.weights.T


class Layer_Dropout_Private:
    # the training flag is called _training
    def __init__(self, rate):
        self.rate = 1 - rate

    def forward(self, inputs, _training):
        self.inputs = inputs
        if not _training:
            self.output = inputs.copy()
            return
        self.mask = np.random.binomial(1, self.rate, size=inputs.shape) / self.rate
        self.output = inputs * self.mask

    def backward(self, dvalues):
        self.dinputs = dvalues * self.mask


class Layer_Dropout_IsTrain(Layer_Dropout_Private):
    # the training flag is called is_train
    def forward(self, inputs, is_train):
        super().forward(inputs, is_train)


class Layer_Dense_Regulariser:
    # British spelling and capitals: weight_regulariser_l2, weights_L2
    def __init__(self, n_inputs, n_neurons, weight_regulariser_l2=0.0, weights_L1=0.0):
        self.weights = 0.1 * np.random.randn(n_inputs, n_neurons)
        self.biases = np.zeros((1, n_neurons))
        self.weight_regulariser_l2 = weight_regulariser_l2
        self.weights_L1 = weights_L1

    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs @ self.weights + self.biases

    def backward(self, dvalues):
        self.dweights = self.inputs.T @ dvalues
        self.dweights += 2 * self.weight_regulariser_l2 * self.weights
        self.dweights += self.weights_L1 * np.sign(self.weights)
        self.dbiases = dvalues.sum(axis=0, keepdims=True)
        self.dinputs = dvalues @ self.weights.T


class Activation_Sigmoid_Loss_BinaryCrossentropy:
    # fused sigmoid + binary cross-entropy: not a softmax, takes 0/1 targets
    def forward(self, inputs, y_true):
        self.output = 1 / (1 + np.exp(-inputs))
        clipped = np.clip(self.output, 1e-7, 1 - 1e-7)
        losses = -(y_true * np.log(clipped) + (1 - y_true) * np.log(1 - clipped))
        return np.mean(losses)

    def backward(self, dvalues, y_true):
        self.dinputs = (dvalues - y_true) / dvalues.size
