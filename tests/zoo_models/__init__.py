"""Our own whole networks, written from the maths, with bugs injected on request."""
