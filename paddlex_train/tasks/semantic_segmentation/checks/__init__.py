"""SegDataset checking, split by concern.

- lists: read train.txt / val.txt into (line, image, label) entries; structural problems.
- scan: inspect every image/label pair (in parallel), decoding only the labels.
- doctor: explain the classic label mistakes (0/255 masks, RGB/JPEG labels, ids out of range) and their fixes.
- labelfix: write a corrected copy of a data set (used by dataset_tools.seg_fix_labels).
- stats: per-class pixel/image counts, num_classes, class names.
- render: sample overlays and the histogram.
- labelme: LabelMe JSON -> SegDataset conversion.
- split: seeded train/val re-split.

Nothing here imports paddle; matplotlib and labelme are imported only inside the functions that need them.
"""
