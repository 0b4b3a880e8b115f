from ..common.app import run
from .service import OnnxService

if __name__ == "__main__":
    run(OnnxService)
