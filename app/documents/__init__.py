"""The documents that follow screening: the SK penetapan, Form 1, realisasi and the monitoring report."""
