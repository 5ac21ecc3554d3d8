from setuptools import setup

# The trainer needs nothing beyond the standard library; numpy, when the image or machine has it, makes it faster.
setup(
    name="trainer",
    version="0.1.0",
    description="A bag-of-words text classifier trained on Vertex AI, exported as an ONNX model directory.",
    packages=["trainer"],
    python_requires=">=3.8",
    install_requires=[],
)
