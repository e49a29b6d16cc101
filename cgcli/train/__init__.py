"""Training: the loop of the seeds (loop.py: forward, backward, update) and data files."""

# --engine auto (bench/train.py): mini-batches of at least AUTO_COLUMNS points run column-wise
# in pure Python (cgcli.batch.columns), of at least AUTO_NUMPY points column-wise with NumPy when it is
# installed; smaller ones point by point, which is faster there
AUTO_COLUMNS = 4
AUTO_NUMPY = 32
ENGINES = ("auto", "python", "columns", "numpy")
