"""Training stage: cross-validation under the business cost, threshold, MLflow tracking and registry.

Kept free of heavy imports so that the modules copied next to a registered model stay light. OpenMP threads
wait passively: on a small shared machine, spinning LightGBM threads that lose their core to another process
made a 5-fold cross-validation 5 to 20 times slower (measured).
"""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
