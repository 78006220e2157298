# base: solution
# A student who did everything as the notebook asks (the reference solution).
