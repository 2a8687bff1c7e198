"""``retain_sender``: sender objects the library still keeps alive after a send has returned and
the caller has dropped its references (objects per send; ideal 0)."""

from sigbench.worker.scenarios.retain_payload import RetainSent

SCENARIO = RetainSent(
    "retain_sender",
    "sender objects the library still keeps alive after a send returns and the caller has "
    "dropped its references (weak references after gc.collect(), over 100 sends with n "
    "receivers connected; ideal 0)",
    (1,),
    "send",
    order=10.2,
    vary="sender",
)
