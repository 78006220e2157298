# base: solution
# A student who did everything as the notebook asks (the reference solution).
# %% reflection
1. In my table Adam and RMSprop both ended at 0.951 validation accuracy and SGD at 0.892. RMSprop learned fastest
at the start (0.688 after epoch 1, Adam 0.594, SGD only 0.198). I think Adam and RMSprop scale each weight's step
by how big its gradients have been, so weights with small gradients still move, and Adam also keeps a momentum of
the gradient; SGD uses one small learning rate (0.01) for everything, so it crawls.

2. After 5 epochs batch 16 had 0.906 validation accuracy, batch 128 only 0.785. With 1149 training images batch 16
makes 72 updates per epoch and batch 128 only 9. At the same number of updates (180: batch 32 after 5 epochs vs
batch 128 after 20) it was 0.906 vs 0.931, so most of the difference is the number of steps, not the batch size.

3. More epochs helped every batch size (batch 64: 0.882, 0.920, 0.948 at 5/10/20 epochs) but less each time. The
validation loss was still going down at epoch 20, so I did not see overfitting yet; the training loss of batch 16
(0.102) is a bit below its validation loss (0.119).
