#!/bin/sh
# Prints the best Python for the virtual environment: the Lambda runtime's (3.13), else 3.12, else
# python3 if it is 3.11 or newer. Finds pyenv's versions even when pyenv does not put them on PATH.
for candidate in python3.13 python3.12; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c pass 2>/dev/null; then
    command -v "$candidate"; exit 0
  fi
  if command -v pyenv >/dev/null 2>&1; then
    for dir in "$(pyenv root)"/versions/*; do
      if [ -x "$dir/bin/$candidate" ] && [ "$(basename "$dir" | cut -d. -f1,2)" = "${candidate#python}" ]; then
        echo "$dir/bin/$candidate"; exit 0
      fi
    done
  fi
done
if python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  command -v python3; exit 0
fi
echo "xwebhook needs Python 3.11 or newer (3.13 preferred, as on Lambda)" >&2
exit 1
