"""The framework floor: a bare Flask "hello" route, served by the same waitress configuration."""
from flask import Flask

app = Flask(__name__)


@app.get("/hello")
def hello():
    return "hello"
