from cs231n.classifiers.linear_classifier import *
