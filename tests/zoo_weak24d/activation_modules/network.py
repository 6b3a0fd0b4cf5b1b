"""The script that wires them: the layer from layers.py, the pair from activations.py."""

from activations import tanh, tanh_prime
from layers import ActivationLayer, ActivationLayer_Bug

net = [ActivationLayer(tanh, tanh_prime), ActivationLayer_Bug(tanh, tanh_prime)]
