"""Python 3.11 shim for check-launchers: Megatron-LM (d98e8a64) imports typing.override, new in 3.12.
typing_extensions (a torch dependency) has the same decorator."""
import typing

if not hasattr(typing, "override"):
    import typing_extensions

    typing.override = typing_extensions.override
