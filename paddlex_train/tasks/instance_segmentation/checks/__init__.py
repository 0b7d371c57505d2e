"""check_dataset pieces of instance segmentation: COCO validation, statistics, renders, LabelMe conversion, split.

No module here imports paddle; pycocotools, Pillow and (lazily) matplotlib are enough.
"""
