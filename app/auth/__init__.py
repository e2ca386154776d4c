"""Users, roles (Pergub 52/2020 Lampiran I–II), passwords and the region scope of every service."""
