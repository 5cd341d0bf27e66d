"""`python -m annotator` runs the same command as the `annotator` script."""

from annotator.start import main

if __name__ == "__main__":
    main()
