"""Autograd engines written here: correct ones and buggy twins, with their verdicts.

``EXPECTED`` maps each module to the verdict ``check_engine`` must give its class and
the operations (report rows) that must fail; every other row must not fail.
"""

EXPECTED: dict[str, tuple[str, set[str]]] = {
    "scalar_ok": ("passed", set()),
    "tensor_ok": ("passed", set()),
    "tensor_f32_ok": ("passed", set()),
    "scalar_sets": ("passed", set()),
    "tensor_requires_grad": ("passed", set()),
    "scalar_assign": ("failed", {"mul"}),
    "scalar_pow": ("failed", {"pow", "truediv", "rtruediv"}),
    "scalar_div": ("failed", {"truediv"}),
    "scalar_rmul": ("failed", {"rmul"}),
    "scalar_topo": ("failed", {"backward"}),
    "scalar_zero_grad": ("failed", {"second backward"}),
    "scalar_stale": ("failed", {"second backward"}),
    "scalar_chain": ("failed", {"tanh"}),
    "tensor_assign": ("failed", {"add", "radd"}),
    "tensor_broadcast": ("failed", {"add", "sub", "mul", "truediv"}),
    "tensor_rsub": ("failed", {"rsub"}),
    "tensor_getitem": ("failed", {"getitem"}),
    # a learner's micrograd Value (`-`, `/` and the reflected forms delegate to `+`, `*`,
    # `**`): `__add__` broken fails `add` and `radd` (which calls it), never `backward`
    "scalar_micro": ("passed", set()),
    "scalar_micro_add": ("failed", {"add", "radd"}),
    "scalar_micro_topo": ("failed", {"backward"}),
}

# The diagnosis each twin's first expected row must carry (unambiguous evidence).
DIAGNOSES: dict[str, tuple[str, str]] = {
    "scalar_assign": ("mul", "grad assigned, not accumulated"),
    "scalar_pow": ("pow", "local derivative in __pow__"),
    "scalar_div": ("truediv", "local derivative in __truediv__"),
    "scalar_rmul": ("rmul", "gives its operand no gradient"),
    "scalar_topo": ("backward", "topological order visits a node before its users"),
    "scalar_zero_grad": ("second backward", "zeroing does not reset"),
    "scalar_stale": ("second backward", "gradients depend on a previous graph"),
    "scalar_chain": ("tanh", "ignores the upstream gradient"),
    "tensor_assign": ("add", "grad assigned, not accumulated"),
    "tensor_broadcast": ("add", "summed over the axes it was broadcast along"),
    "tensor_rsub": ("rsub", "the operation's forward is wrong"),
    "tensor_getitem": ("getitem", "np.add.at"),
    "scalar_micro_add": ("add", "`=` instead of `+=` in __add__'s _backward"),
    "scalar_micro_topo": ("backward", "topological order visits a node before its users"),
}
