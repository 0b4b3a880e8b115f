from ..common.app import run
from .service import TorchService

if __name__ == "__main__":
    run(TorchService)
