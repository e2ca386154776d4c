"""The registry: Dukcapil population and DTKS/DTSEN welfare extracts, their import, and the search over them."""
