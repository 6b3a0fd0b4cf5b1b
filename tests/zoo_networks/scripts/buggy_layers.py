from utils import *


class Dense:
    def __init__(self, n_inputs, n_neurons, lr=0.01):
        self.W = 0.1 * np.random.randn(n_inputs, n_neurons)
        self.b = np.zeros(n_neurons)
        self.optimizer = Momentum(lr)

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, grad):
        self.dW = self.x.T @ grad
        self.db = grad.sum(axis=1)  # the bug: summed over the wrong axis
        return grad @ self.W.T

    def update(self):
        self.W = self.optimizer.step("W", self.W, self.dW)
        self.b = self.optimizer.step("b", self.b, self.db)


class ReLU:
    def forward(self, x):
        self.x = x
        return relu(x)

    def backward(self, grad):
        return grad * relu_grad(grad)  # the bug: the slope read at the gradient


dense = Dense(2, 3)
for epoch in range(1000):
    out = dense.forward(np.random.randn(8, 2))
