"""Badge templates (OB BadgeClass / Achievement), skills, alignments, images and programmes."""
