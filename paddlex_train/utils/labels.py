"""Label-value conventions shared by checking, training, evaluation and drawing."""

# The label value every stage skips: PaddleSeg's default ignore_index, PaddleX's `__ignore__` id, the value the
# label doctor and LabelMe conversion write for void pixels. One constant, so they cannot drift apart.
IGNORE_INDEX = 255
