"""e-JPS domain: every rule of Pergub Gorontalo 52/2020 and 72/2018 and every use case, without Qt."""
