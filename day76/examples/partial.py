# base: solution
# A student who finished 作業1 and gave up on 作業2: exactly the points of 作業1.
# %% p2_train blank
# %% p2_table blank
# %% p2_plot blank
