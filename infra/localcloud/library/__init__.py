"""The local library: what a family's PetTube keeps on disk, and the tools that look after it."""
