"""The course example: a tiny program that says where it runs."""
import os
import platform
import sys

print(f"hello from python {platform.python_version()} in {os.getcwd()}")
print(f"pid {os.getpid()}, hostname {platform.node()}, user {os.getuid()}")
print(f"greeting: {os.environ.get('GREETING', 'none')}")
sys.exit(0)
