"""humantouch: decide for every customer contact where the machine serves best and where a person must."""

__version__ = "0.1.0"
