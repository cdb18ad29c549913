"""What every site answers at its root: /favicon.ico and /robots.txt."""
